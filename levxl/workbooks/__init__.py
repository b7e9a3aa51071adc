"""The workbooks levxl writes: the standalone risk report (``report``) and the template (``template``)."""
