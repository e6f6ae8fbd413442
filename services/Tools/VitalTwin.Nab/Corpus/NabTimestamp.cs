using System.Globalization;

namespace VitalTwin.Nab.Corpus;

/// <summary>NAB timestamps: <c>2014-04-10 07:15:00</c> in data files, with microseconds in the windows file.</summary>
public static class NabTimestamp
{
    private static readonly string[] Formats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff"];

    public static DateTime Parse(string text) =>
        DateTime.ParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
}
