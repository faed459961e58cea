"""Business rules and transactions. No FastAPI, no templates: plain arguments in, plain data out."""
