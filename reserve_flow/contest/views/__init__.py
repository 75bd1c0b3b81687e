"""The contest's pages: the secretary's contests, the applicant's side, the cases, the document
check, the commission, the public pages."""
