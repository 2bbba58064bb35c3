from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StrictPagination(PageNumberPagination):
    """Pages of up to 500; a malformed page or page_size is a 400, not a silent default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        for name, upper in (("page", None), ("page_size", self.max_page_size)):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
                raise ValidationError({name: ["Must be a whole number of 1 or more."]})
            if upper and int(raw) > upper:
                raise ValidationError({name: [f"Must be at most {upper}."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
