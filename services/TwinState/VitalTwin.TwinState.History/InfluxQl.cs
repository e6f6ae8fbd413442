using System.Globalization;
using System.Text;

namespace VitalTwin.TwinState.History;

/// <summary>
/// Builds the InfluxQL of a history query. Every identifier and literal that comes from a caller or from
/// configuration goes through <see cref="QuoteIdentifier"/> or <see cref="QuoteString"/>.
/// </summary>
internal static class InfluxQl
{
    public static string QuoteIdentifier(string name) => $"\"{Escape(name, '"')}\"";

    public static string QuoteString(string value) => $"'{Escape(value, '\'')}'";

    /// <summary>A duration literal in the coarsest unit that represents <paramref name="window"/> exactly.</summary>
    public static string Duration(TimeSpan window)
    {
        var nanoseconds = window.Ticks * 100;
        return nanoseconds switch
        {
            _ when nanoseconds % 1_000_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000_000}ms"),
            _ when nanoseconds % 1_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000}u"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds}ns"),
        };
    }

    /// <param name="limit">Most points returned per series; the caller asks for one more than it accepts to detect overflow.</param>
    public static string Build(HistoryQuery query, IReadOnlyList<string> loincs, string? retentionPolicy, int limit)
    {
        var q = new StringBuilder(256);
        q.Append(query.Window is null
            ? "SELECT \"value\""
            : "SELECT mean(\"value\"), min(\"value\"), max(\"value\"), count(\"value\")");
        q.Append(" FROM ");
        if (!string.IsNullOrEmpty(retentionPolicy))
        {
            q.Append(QuoteIdentifier(retentionPolicy)).Append('.');
        }

        q.Append(QuoteIdentifier(LineProtocol.Measurement));
        q.Append(" WHERE \"patient\" = ").Append(QuoteString(query.PatientId));
        if (loincs.Count > 0)
        {
            q.Append(" AND (");
            for (var i = 0; i < loincs.Count; i++)
            {
                q.Append(i == 0 ? "\"loinc\" = " : " OR \"loinc\" = ").Append(QuoteString(loincs[i]));
            }

            q.Append(')');
        }

        // RFC 3339 literals rather than epoch integers: they also hold for times before 1970.
        q.Append(" AND time >= ").Append(TimeLiteral(query.From)).Append(" AND time < ").Append(TimeLiteral(query.To));
        q.Append(query.Window is { } window
            ? $" GROUP BY time({Duration(window)}), \"loinc\" fill(none)"
            : " GROUP BY \"loinc\"");
        q.Append(CultureInfo.InvariantCulture, $" LIMIT {limit}");
        return q.ToString();
    }

    private static string TimeLiteral(DateTimeOffset time) =>
        QuoteString(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));

    // InfluxQL's scanner understands \\, \", \' and \n inside quotes; control characters are rejected upstream.
    private static string Escape(string text, char quote)
    {
        if (text.AsSpan().IndexOfAny('\\', quote) < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c == '\\' || c == quote)
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
