from tracker.commitments.imports import import_commitments

from ._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import commitments from CSV in the columns /export/commitments.csv writes (its "
        "computed columns are ignored). The slug is the key: a new slug adds a commitment, "
        "a changed row needs a change_reason; one bad row imports nothing."
    )
    importer = staticmethod(import_commitments)
    noun = "commitment(s)"
