# Decider's image: gunicorn serving the Django app (static files through WhiteNoise), and, with
# another command, the background worker or the migration. Configured only by environment
# variables at run time (README, "Configuration"); runs as an unprivileged user.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and fonts for WeasyPrint's PDF rendering.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
# Static files are collected (hashed names, gzip and brotli copies) at build time, so every
# container of one image serves the same files and none needs write access to them. The
# settings only need placeholders here; the real ones come with `docker run`/compose.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app decider \
    && mkdir -p /app/var/media \
    && chown -R decider /app/var

USER decider
EXPOSE 8000
# No HEALTHCHECK here: the worker and the migration run from this image too, and serve no HTTP.
# The compose file probes the web service with `python -m decider.probe /readyz`.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "decider.wsgi"]
