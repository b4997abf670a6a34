"""The audit screen of the web console (its routes come in a later commit)."""

from aiohttp import web

routes = web.RouteTableDef()
