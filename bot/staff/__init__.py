"""Staff: who may do what (roles per channel identity), checked on every staff action."""
