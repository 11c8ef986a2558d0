"""Project-wide Django signals, so apps react to a publish without the publisher knowing them."""

from django.dispatch import Signal

# sent after a run of `day` is published into the app DB; kwargs: day (date), counts (dict)
run_published = Signal()
