"""The read-only query behind ``rank_kpi``: each station's (or region's) value over a window by the KPI's rule, its
days, its day-to-day noise (see :mod:`tools.kpis.day_noise`) and the same window a year earlier. ``{group_col}``,
``{group_name}``, ``{agg}`` and ``{agg2}`` are filled with fixed identifiers and one of two aggregate names, never
user text."""

RANK_SQL = """
WITH daily AS (
    SELECT {group_col} AS code, {group_name} AS name, p.day, {agg}(p.value) AS v
    FROM kpi_points p
    JOIN stations s ON s.id = p.station_id AND s.org_id = :org
    JOIN regions r ON r.id = s.region_id AND r.org_id = :org
    WHERE p.org_id = :org AND p.kpi_id = :kpi
      AND (p.day BETWEEN :nstart AND :end OR p.day BETWEEN :ystart AND :yend)
      AND (CAST(:region AS text) IS NULL OR r.code = :region)
    GROUP BY 1, 2, p.day
), steps AS (
    SELECT code, name, day, v, lag(v) OVER w AS pv, lag(day) OVER w AS pday
    FROM daily WINDOW w AS (PARTITION BY code ORDER BY day)
), noise AS (
    -- day-to-day noise over the window or the NOISE_DAYS before its end, whichever is longer: the average moving
    -- range of consecutive days / d2 (robust to a drift or a step, unlike the window's own standard deviation), and
    -- for whole counts at least a Poisson count's sqrt(mean) (the moving range understates rare counts)
    SELECT code,
           avg(abs(v - pv)) FILTER (WHERE day BETWEEN :nstart AND :end AND day - pday = 1) / :d2 AS mr_sigma,
           bool_and(v >= 0 AND v = floor(v)) FILTER (WHERE day BETWEEN :nstart AND :end) AS counts,
           avg(v) FILTER (WHERE day BETWEEN :nstart AND :end) AS level
    FROM steps GROUP BY code
)
SELECT code, name,
       {agg2}(v) FILTER (WHERE day BETWEEN :start AND :end) AS value,
       count(*) FILTER (WHERE day BETWEEN :start AND :end) AS days,
       coalesce(CASE WHEN max(n.counts::int) = 1 THEN greatest(max(n.mr_sigma), sqrt(max(n.level)))
                     ELSE max(n.mr_sigma) END,
                stddev_samp(v) FILTER (WHERE day BETWEEN :start AND :end)) AS spread,
       {agg2}(v) FILTER (WHERE day BETWEEN :ystart AND :yend) AS yoy
FROM steps JOIN noise n USING (code) GROUP BY code, name
"""
