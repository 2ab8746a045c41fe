"""The web dashboard served by the API's FastAPI app (see :mod:`adequa.publish.dashboard.views`)."""
