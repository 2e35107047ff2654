"""The root of domain errors: services raise them, views turn them into messages or statuses."""


class DomainError(Exception):
    """A business rule refused the change; `str(error)` is fit to show the user."""
