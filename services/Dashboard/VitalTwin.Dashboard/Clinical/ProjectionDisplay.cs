using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One step of a projection: NEWS2 and each vital (in the projection's order) at that time.</summary>
public sealed record ProjectionRow(DateTimeOffset At, ProjectedNews2? News2, IReadOnlyList<(ProjectedPoint? Point, string Unit)> Points);

/// <summary>How the patient view words the twin's projection.</summary>
public static class ProjectionDisplay
{
    /// <summary>"NEWS2 would reach 5 at 14:05 and 7 at 14:40", or that it would not within the horizon.</summary>
    public static string Reach(Projection projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var five = projection.FirstNews25At;
        var seven = projection.FirstNews27At;
        return (five, seven) switch
        {
            (null, null) => "NEWS2 would not reach 5 within the horizon.",
            ({ } at5, null) => $"NEWS2 would reach 5 at {Display.Time(at5.ToDateTimeOffset())}; 7 not within the horizon.",
            (null, { } at7) => $"NEWS2 would reach 7 at {Display.Time(at7.ToDateTimeOffset())}.",
            ({ } at5, { } at7) => $"NEWS2 would reach 5 at {Display.Time(at5.ToDateTimeOffset())}, 7 at {Display.Time(at7.ToDateTimeOffset())}.",
        };
    }

    /// <summary>The projection's steps, NEWS2 beside each vital's point at the same step.</summary>
    public static IReadOnlyList<ProjectionRow> Rows(Projection projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var steps = projection.Vitals.Select(v => v.Points.Count).Append(projection.News2.Count).Max();
        var rows = new List<ProjectionRow>(steps);
        for (var i = 0; i < steps; i++)
        {
            var news2 = i < projection.News2.Count ? projection.News2[i] : null;
            var points = projection.Vitals.Select(v => (i < v.Points.Count ? v.Points[i] : null, v.Unit)).ToList();
            var at = news2?.At ?? points.Select(p => p.Item1?.At).FirstOrDefault(t => t is not null);
            if (at is not null)
            {
                rows.Add(new ProjectionRow(at.ToDateTimeOffset(), news2, points));
            }
        }
        return rows;
    }

    /// <summary>"92 (88–96)": the projected value with its 80 % interval.</summary>
    public static string Point((ProjectedPoint? Point, string Unit) point) =>
        point.Point is { } p ? $"{Display.Value(p.Value, point.Unit)} ({Display.Value(p.Lower, point.Unit)}–{Display.Value(p.Upper, point.Unit)})" : "–";
}
