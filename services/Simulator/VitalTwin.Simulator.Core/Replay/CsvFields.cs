using System.Text;

namespace VitalTwin.Simulator.Core.Replay;

/// <summary>
/// The CSV the recordings and their companion files use: comma-separated fields, each optionally quoted ("...", with
/// "" for a quote inside).
/// </summary>
public static class CsvFields
{
    /// <summary>A field as written: quoted when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }

    /// <exception cref="RecordingFormatException">A quoted field is not closed.</exception>
    public static List<string> Split(string line, int lineNumber)
    {
        var fields = new List<string>(5);
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            throw new RecordingFormatException(lineNumber, "a quoted field is not closed");
        }
        fields.Add(field.ToString());
        return fields;
    }
}
