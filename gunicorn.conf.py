"""gunicorn's settings for the registry; gunicorn reads ./gunicorn.conf.py by itself when started from the
project folder (`gunicorn -w 4 app:app`), or give it with `-c`."""


def post_worker_init(worker):
    # Only gunicorn knows how many processes serve the app; say once, from the first worker, when their
    # rate-limit counts would not be shared.
    if worker.age == 1:
        from kindns.security import warn_if_rate_limits_are_per_process

        warn_if_rate_limits_are_per_process(worker.wsgi, worker.cfg.workers)
    # Each worker renders the public pages once before it takes its first request.
    from kindns.caching import warm_up

    warm_up(worker.wsgi)
