"""The betool Django project and its core: workspaces, users and roles, credits."""

from betool.celery import app as celery_app

__all__ = ["celery_app"]
