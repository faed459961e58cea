"""HTTP routes: thin handlers that read the request, call a service and render.

Where a handler runs: the quiz taker's routes (landing, quiz, result, share, join) are ``async def``
and run on the event loop, database statements included: each is a few milliseconds of CPU and
short transactions, and running them in order is faster and fairer than handing every request to
a thread that then waits for the GIL (measured in bench/RESULTS.md). Handlers that take long are
plain ``def`` and run in the thread pool: PDF rendering, argon2 password checks, HR pages and exports.
"""
