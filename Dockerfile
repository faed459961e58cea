# rolefit: one image for the web app. Migrations run at start, then rolefit serve: the app loaded once, ROLEFIT_WORKERS workers forked from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango/HarfBuzz; Noto CJK renders Chinese in PDFs, Liberation/DejaVu the Latin and Vietnamese text.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk fonts-liberation fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin rolefit \
 && mkdir -p /data && chown rolefit:rolefit /data

WORKDIR /srv/rolefit
COPY pyproject.toml README.md LICENSE alembic.ini babel.cfg ./
COPY app ./app
COPY scoring ./scoring
COPY analytics ./analytics
COPY questions ./questions
COPY templates ./templates
COPY locales ./locales
COPY migrations ./migrations
# compileall: PYTHONDONTWRITEBYTECODE keeps the running app from writing .pyc files, so without this every
# worker compiled every module of ours from source at each start (about a tenth of it, bench/RESULTS.md)
RUN pip install -e . \
 && pybabel compile -d locales -D messages \
 && python -m compileall -q app scoring analytics migrations

USER rolefit
ENV ROLEFIT_HOST=0.0.0.0 \
    ROLEFIT_PORT=8000 \
    ROLEFIT_WORKERS=2 \
    ROLEFIT_DATABASE_URL=sqlite:////data/rolefit.sqlite3
VOLUME ["/data"]
EXPOSE 8000

# Healthy = ready: /readyz makes a rolled-back write (2 s timeout), so a read-only or full volume or a
# database that is down shows as unhealthy. Orchestrators with two probes: /healthz for liveness (no
# database), /readyz for readiness (docs/deploy.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"]

CMD ["sh", "-c", "rolefit db upgrade && exec rolefit serve"]
