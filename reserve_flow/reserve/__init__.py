"""The reserve of heads (roadmap items 9 and 11): membership and its term, individual development
plans with courses and internships, the programme that forms the reserve."""
