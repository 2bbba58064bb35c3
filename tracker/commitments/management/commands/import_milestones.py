from tracker.commitments.imports import import_milestones

from ._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import milestones from CSV (id,commitment,occurred_on,kind,title,amount,unit,stage,"
        "status,source_url,source_title,meeting,withdrawal_reason,change_reason; id, meeting "
        "and the reasons are optional). A row with an id edits that milestone and needs a "
        "change_reason unless it is unchanged; one bad row imports nothing."
    )
    importer = staticmethod(import_milestones)
    noun = "milestone(s)"
