"""The interactive reader (Textual).  Only this package imports Textual; the engine never does.

``render`` and ``layout`` are the exception inside the package: they use Rich alone, so that
they can be unit-tested, timed and reused without starting an app."""
