"""The methodology: the tracker's rules and vocabularies as plain functions over plain values.

Nothing here touches the ORM, a request or the clock, and nothing here imports another app:
every other app imports from here, and the methodology page is rendered from these tables.
"""
