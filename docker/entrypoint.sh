#!/bin/sh
# web (default): migrate, then gunicorn.  worker: Dramatiq workers.  Anything else: run as given.
set -e
case "${1:-web}" in
    web)
        python manage.py migrate --noinput
        exec gunicorn aistrale.wsgi --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-4}" \
            --threads "${WEB_THREADS:-2}" --access-logfile -
        ;;
    worker)
        exec dramatiq aistrale.worker --processes "${WORKER_PROCESSES:-2}" --threads "${WORKER_THREADS:-4}"
        ;;
    *)
        exec "$@"
        ;;
esac
