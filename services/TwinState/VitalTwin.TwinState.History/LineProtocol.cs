using System.Buffers;
using System.Globalization;
using System.Text;

namespace VitalTwin.TwinState.History;

/// <summary>
/// Formats points as InfluxDB line protocol with nanosecond timestamps. Tags are written sorted by key,
/// which InfluxDB recommends because it then skips sorting them itself.
/// </summary>
internal static class LineProtocol
{
    public const string Measurement = "vitals";

    private static readonly SearchValues<char> TagSpecials = SearchValues.Create(", =");
    private static readonly SearchValues<char> StringSpecials = SearchValues.Create("\"\\");

    /// <summary>Points [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as one newline-separated body.</summary>
    public static string Format(IReadOnlyList<VitalPoint> points, int start, int count)
    {
        var text = new StringBuilder(count * 128);
        for (var i = start; i < start + count; i++)
        {
            if (i > start)
            {
                text.Append('\n');
            }

            Append(text, points[i]);
        }

        return text.ToString();
    }

    public static void Append(StringBuilder text, VitalPoint point)
    {
        text.Append(Measurement).Append(",device=");
        AppendTagValue(text, point.DeviceId);
        text.Append(",loinc=");
        AppendTagValue(text, point.Loinc);
        text.Append(",patient=");
        AppendTagValue(text, point.PatientId);
        text.Append(" unit=\"");
        AppendStringField(text, point.Unit);
        text.Append(CultureInfo.InvariantCulture, $"\",value={point.Value} {ToNanoseconds(point.ObservedAt)}");
    }

    public static long ToNanoseconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;

    private static void AppendTagValue(StringBuilder text, string value)
    {
        if (!value.AsSpan().ContainsAny(TagSpecials))
        {
            text.Append(value);
            return;
        }

        foreach (var c in value)
        {
            if (c is ',' or ' ' or '=')
            {
                text.Append('\\');
            }

            text.Append(c);
        }
    }

    private static void AppendStringField(StringBuilder text, string value)
    {
        if (!value.AsSpan().ContainsAny(StringSpecials))
        {
            text.Append(value);
            return;
        }

        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                text.Append('\\');
            }

            text.Append(c);
        }
    }
}
