"""Plans in -> what people read out: the HTML report, the `budget` table and the `explain` table."""
