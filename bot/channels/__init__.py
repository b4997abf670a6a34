"""Channel adapters: console (interactive and JSON lines), later Telegram and LINE.

Each adapter translates its platform's input into ``IncomingMessage``, calls the
engine, and renders ``Reply`` objects within its platform's limits. Only this
package may import a platform SDK. ``http`` serves the aiohttp servers (webhooks, web).
"""
