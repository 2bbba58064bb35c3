from tracker.commitments.imports import import_rates

from ._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import exchange rates from CSV (date,currency,units_per_usd, optionally is_reference "
        "and note, as /export/exchange-rates.csv writes them); existing days are updated."
    )
    importer = staticmethod(import_rates)
    noun = "rate(s)"
