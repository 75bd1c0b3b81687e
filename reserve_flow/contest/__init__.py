"""The municipal contest for inclusion in the reserve of heads (roadmap item 8): the contest,
applications and their documents, the document check, the commission's recusals, scores and
votes, the protocol, the public announcement and results."""
