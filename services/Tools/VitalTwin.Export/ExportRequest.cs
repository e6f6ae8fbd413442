using System.Globalization;

namespace VitalTwin.Export;

/// <summary>What one run exports: readings observed in [<paramref name="From"/>, <paramref name="To"/>), written to <paramref name="OutputDirectory"/>.</summary>
internal sealed record ExportRequest(DateTimeOffset From, DateTimeOffset To, string OutputDirectory)
{
    public const string Usage = "Usage: --from=<time> --to=<time> [--out=<dir>]; times are ISO 8601 (2026-03-01 or 2026-03-01T08:00:00Z), UTC unless they carry an offset.";

    // What InfluxDB can store: int64 nanoseconds around 1970.
    private static readonly DateTimeOffset Earliest = new(1678, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2262, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary><c>--from=</c>, <c>--to=</c> and <c>--out=</c>, as <c>--name=value</c> or <c>--name value</c>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="now">Names the default output directory, <c>artifacts/export/&lt;UTC time&gt;</c>.</param>
    /// <exception cref="ArgumentException">A missing, unknown or malformed switch, or a range that is empty or out of bounds.</exception>
    public static ExportRequest Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(args);
        DateTimeOffset? from = null, to = null;
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            var parts = args[i].Split('=', 2);
            var value = parts.Length == 2 ? parts[1]
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (parts[0])
            {
                case "--from":
                    from = Time(parts[0], value);
                    break;
                case "--to":
                    to = Time(parts[0], value);
                    break;
                case "--out":
                    output = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"--out needs a directory. {Usage}") : value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option {parts[0]}. {Usage}");
            }
        }

        if (from is null || to is null)
        {
            throw new ArgumentException($"--from and --to are required. {Usage}");
        }

        if (from >= to)
        {
            throw new ArgumentException($"--from ({from:O}) must be earlier than --to ({to:O}).");
        }

        if (from < Earliest || to > Latest)
        {
            throw new ArgumentException($"--from and --to must lie within {Earliest:yyyy-MM-dd}..{Latest:yyyy-MM-dd}, the times the history store can hold.");
        }

        output ??= Path.Combine("artifacts", "export", now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        return new ExportRequest(from.Value, to.Value, output);
    }

    private static DateTimeOffset Time(string option, string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new ArgumentException($"{option} takes an ISO 8601 time such as 2026-03-01 or 2026-03-01T08:00:00Z, not '{value}'.");
}
