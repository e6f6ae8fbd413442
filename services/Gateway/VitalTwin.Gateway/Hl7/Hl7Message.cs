using System.Globalization;
using System.Text;

namespace VitalTwin.Gateway.Hl7;

/// <summary>A message the door cannot read; its text goes back to the sender in the AR, and names no value.</summary>
internal sealed class Hl7ParseException(string message) : Exception(message);

/// <summary>The separators MSH-1 and MSH-2 declare.</summary>
internal sealed record Hl7Delimiters(char Field, char Component, char Repetition, char Escape, char Subcomponent)
{
    public static readonly Hl7Delimiters Standard = new('|', '^', '~', '\\', '&');

    /// <summary>MSH-2 as written: component, repetition, escape, subcomponent.</summary>
    public string Encoding => string.Concat(Component, Repetition, Escape, Subcomponent);

    /// <summary><paramref name="text"/> with every delimiter escaped, fit for any field of a message using these.</summary>
    public string Escaped(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(
                c == Escape ? $"{Escape}E{Escape}"
                : c == Field ? $"{Escape}F{Escape}"
                : c == Component ? $"{Escape}S{Escape}"
                : c == Subcomponent ? $"{Escape}T{Escape}"
                : c == Repetition ? $"{Escape}R{Escape}"
                : c is '\r' or '\n' ? " "
                : c.ToString());
        }
        return escaped.ToString();
    }
}

/// <summary>One segment: its id and its fields as sent, read through <see cref="Value"/> (which unescapes).</summary>
internal sealed class Hl7Segment(string id, string[] fields, Hl7Delimiters delimiters)
{
    public string Id { get; } = id;

    /// <summary>Field <paramref name="number"/> as written, escapes and separators included ("" when absent). MSH counts MSH-1 as the field separator.</summary>
    public string Raw(int number)
    {
        if (Id == "MSH" && number == 1)
        {
            return delimiters.Field.ToString();
        }
        var index = Id == "MSH" ? number - 1 : number;
        return number >= 1 && index < fields.Length ? fields[index] : "";
    }

    /// <summary>One component (and subcomponent) of one repetition of a field, unescaped; "" when absent.</summary>
    public string Value(int field, int component = 1, int subcomponent = 1, int repetition = 1)
    {
        var text = Raw(field);
        text = Nth(text, delimiters.Repetition, repetition);
        text = Nth(text, delimiters.Component, component);
        text = Nth(text, delimiters.Subcomponent, subcomponent);
        return Unescape(text);
    }

    private static string Nth(string text, char separator, int n)
    {
        var start = 0;
        for (var i = 1; i < n; i++)
        {
            var next = text.IndexOf(separator, start);
            if (next < 0)
            {
                return "";
            }
            start = next + 1;
        }
        var end = text.IndexOf(separator, start);
        return end < 0 ? text[start..] : text[start..end];
    }

    private string Unescape(string text)
    {
        var escape = delimiters.Escape;
        if (!text.Contains(escape, StringComparison.Ordinal))
        {
            return text;
        }
        var plain = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != escape)
            {
                plain.Append(text[i]);
                continue;
            }
            var end = text.IndexOf(escape, i + 1);
            if (end < 0)
            {
                throw new Hl7ParseException($"{Id}: an escape sequence is not closed");
            }
            var sequence = text.AsSpan(i + 1, end - i - 1);
            plain.Append(sequence switch
            {
                "F" => delimiters.Field.ToString(),
                "S" => delimiters.Component.ToString(),
                "T" => delimiters.Subcomponent.ToString(),
                "R" => delimiters.Repetition.ToString(),
                "E" => escape.ToString(),
                ['X', .. var hex] => Hex(hex),
                [var kind, ..] => throw new Hl7ParseException($"{Id}: the escape sequence {escape}{kind}…{escape} is not supported (only F, S, T, R, E and X)"),
                _ => throw new Hl7ParseException($"{Id}: an escape sequence is empty"),
            });
            i = end;
        }
        return plain.ToString();
    }

    private string Hex(ReadOnlySpan<char> hex)
    {
        if (hex.Length == 0 || hex.Length % 2 != 0)
        {
            throw new Hl7ParseException($"{Id}: a \\X\\ escape sequence does not hold whole bytes");
        }
        var bytes = new byte[hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(hex.Slice(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                throw new Hl7ParseException($"{Id}: a \\X\\ escape sequence is not hexadecimal");
            }
        }
        try
        {
            return Hl7Message.Text.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new Hl7ParseException($"{Id}: a \\X\\ escape sequence is not UTF-8");
        }
    }
}

/// <summary>
/// An HL7 v2 message read strictly and shallowly: MSH-1 and MSH-2 give the separators, segments end with CR (or LF,
/// or CRLF), and fields are split and unescaped only when read. Knows no message type; <see cref="OruReadings"/> reads ORU^R01.
/// </summary>
internal sealed class Hl7Message
{
    /// <summary>How message bytes are read: UTF-8, of which plain ASCII is a part; anything else is refused.</summary>
    public static readonly Encoding Text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Hl7Message(Hl7Delimiters delimiters, IReadOnlyList<Hl7Segment> segments)
    {
        Delimiters = delimiters;
        Segments = segments;
    }

    public Hl7Delimiters Delimiters { get; }

    public IReadOnlyList<Hl7Segment> Segments { get; }

    public Hl7Segment Header => Segments[0];

    public static Hl7Message Parse(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = Text.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new Hl7ParseException("the message is not UTF-8 (or ASCII) text");
        }
        return Parse(text);
    }

    public static Hl7Message Parse(string text)
    {
        if (!text.StartsWith("MSH", StringComparison.Ordinal) || text.Length < 8)
        {
            throw new Hl7ParseException("the message does not begin with an MSH segment");
        }
        var field = text[3];
        var encodingEnd = text.IndexOf(field, 4);
        if (encodingEnd != 8)
        {
            throw new Hl7ParseException("MSH-2 must hold exactly four encoding characters");
        }
        var delimiters = new Hl7Delimiters(field, text[4], text[5], text[6], text[7]);
        char[] separators = [field, delimiters.Component, delimiters.Repetition, delimiters.Escape, delimiters.Subcomponent];
        if (separators.Distinct().Count() != separators.Length || separators.Any(c => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new Hl7ParseException("MSH-1 and MSH-2 must be five distinct separators, none a letter, digit, space or control character");
        }
        var segments = new List<Hl7Segment>();
        foreach (var line in text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var id = line.Length >= 3 ? line[..3] : line;
            if (id.Length != 3 || !id.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9') || (line.Length > 3 && line[3] != field))
            {
                throw new Hl7ParseException($"segment {segments.Count + 1} has no valid segment id");
            }
            if (id == "MSH" && segments.Count > 0)
            {
                throw new Hl7ParseException("a message holds one MSH segment; send each message in its own MLLP frame");
            }
            segments.Add(new Hl7Segment(id, line.Split(field), delimiters));
        }
        return new Hl7Message(delimiters, segments);
    }
}
