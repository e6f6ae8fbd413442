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

    /// <summary>
    /// The rows of a file that starts with <paramref name="header"/> (compared without case or spaces around fields),
    /// each with its line number and as many fields, trimmed, as the header has; blank lines are skipped. Read as enumerated.
    /// </summary>
    /// <exception cref="RecordingFormatException">The header is missing or a row has another number of fields; the first such line.</exception>
    public static IEnumerable<(int Line, List<string> Fields)> Rows(TextReader reader, string header)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(header);
        var count = header.Split(',').Length;
        var lineNumber = 0;
        var headerSeen = false;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var fields = Split(line, lineNumber).Select(f => f.Trim()).ToList();
            if (!headerSeen)
            {
                headerSeen = string.Equals(string.Join(',', fields), header, StringComparison.OrdinalIgnoreCase)
                    ? true
                    : throw new RecordingFormatException(lineNumber, $"expected the header '{header}'");
                continue;
            }
            yield return fields.Count == count
                ? (lineNumber, fields)
                : throw new RecordingFormatException(lineNumber, $"expected {count} fields ({header}), found {fields.Count}");
        }
        if (!headerSeen)
        {
            throw new RecordingFormatException(Math.Max(lineNumber, 1), $"the file is empty; expected the header '{header}'");
        }
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
