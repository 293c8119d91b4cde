# One image for every Porthole process: docker-compose.yml runs it as web, worker and beat.
# Nothing secret is baked in: configuration comes from the environment (.env) at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
COPY requirements/ requirements/
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/deps.txt', 'w').write('\n'.join(deps))" \
    && pip install -c requirements/constraints.txt -r /tmp/deps.txt \
    && rm /tmp/deps.txt

COPY . .
RUN pip install -c requirements/constraints.txt .

# Static files are collected at build time; the key and data folder exist for this step only.
RUN SECRET_KEY=build-time-only-not-a-secret DATA_DIR=/tmp/build-data \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-data

# An unprivileged user owns only what it writes: DATA_DIR and the collected static files
# (the web component re-runs collectstatic on start).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home porthole \
    && mkdir -p /data \
    && chown -R porthole:porthole /data /app/staticfiles
USER porthole

VOLUME ["/data"]
EXPOSE 8000
CMD ["python", "manage.py", "start", "--only", "web", "--bind", "0.0.0.0:8000"]
