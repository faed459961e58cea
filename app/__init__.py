"""rolefit web app: FastAPI + Jinja2 + SQLModel. Build it with :func:`app.main.create_app`."""
