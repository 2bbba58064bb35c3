from tracker.commitments.imports import import_rates

from ._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import exchange rates from CSV (date,currency,units_per_usd); existing days are updated."
    )
    importer = staticmethod(import_rates)
    noun = "rate(s)"
