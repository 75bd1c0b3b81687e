"""Operations of the contest: contests, applicants, applications, documents, the commission, protocols, the ranking."""
