from tracker.commitments.imports import import_milestones

from ._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import milestones from CSV (commitment,occurred_on,kind,title,amount,unit,stage,"
        "status,source_url,source_title); one bad row imports nothing."
    )
    importer = staticmethod(import_milestones)
    noun = "milestone(s)"
