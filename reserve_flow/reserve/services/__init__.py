"""Operations of the reserve: membership, development plans, the programme and its report."""
