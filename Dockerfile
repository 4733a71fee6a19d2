# Production image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Khmer fonts and Pango/HarfBuzz for WeasyPrint PDFs (their charts are drawn without a browser); gettext
# to compile translations; pg_dump and pg_restore for the backup service (Debian's PostgreSQL 15 client,
# the version of the db service: pg_dump must be at least the server's).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-core fonts-khmeros gettext \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN DEBUG=false SECRET_KEY=build-only python manage.py compilemessages -v0 \
 && DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
# /backups: the backup service's volume, created owned by portal from this folder.
RUN useradd --system --home /app portal && mkdir -p /app/media /app/logs /backups \
 && chown portal /app/media /app/logs /backups
USER portal
EXPOSE 8000
# Workers, threads and timeout: gunicorn.conf.py (WEB_WORKERS, WEB_THREADS, WEB_TIMEOUT).
CMD ["gunicorn", "drssd_portal.wsgi", "--bind", "0.0.0.0:8000"]
