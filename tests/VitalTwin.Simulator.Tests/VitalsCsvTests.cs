using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Simulator.Tests;

public class VitalsCsvTests
{
    private static IReadOnlyList<RecordedReading> Read(string csv) => [.. VitalsCsv.Read(new StringReader(csv), VitalCatalogue.Default)];

    [Fact]
    public void Rows_are_read_with_their_vital_timestamp_value_unit_and_line()
    {
        var rows = Read("""
            timestamp,patient,code,value,unit
            2025-01-06T08:00:00Z,patient-1,8867-4,72,/min

            2025-01-06T09:00:00.250+01:00,"ward 3, bed 2",8310-5,99.5,[degF]
            2025-01-06 08:00:01,patient-1,59408-5,97,%
            """);

        Assert.Equal(3, rows.Count);
        Assert.Equal(new RecordedReading(new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero), "patient-1", VitalCatalogue.Default[VitalSign.HeartRate], 72, "/min", 2), rows[0]);
        Assert.Equal(new DateTimeOffset(2025, 1, 6, 8, 0, 0, 250, TimeSpan.Zero), rows[1].Timestamp);
        Assert.Equal("ward 3, bed 2", rows[1].PatientId);
        Assert.Equal((VitalSign.BodyTemperature, 99.5, "[degF]", 4), (rows[1].Vital.Sign, rows[1].Value, rows[1].Unit, rows[1].Line));
        // No offset: the timestamp is taken as UTC.
        Assert.Equal(new DateTimeOffset(2025, 1, 6, 8, 0, 1, TimeSpan.Zero), rows[2].Timestamp);
    }

    [Fact]
    public void A_loaded_recording_is_in_timestamp_order_keeping_file_order_for_equal_times()
    {
        var path = Path.Combine(Path.GetTempPath(), $"recording-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, """
            timestamp,patient,code,value,unit
            2025-01-06T08:00:10Z,b,8867-4,80,/min
            2025-01-06T08:00:00Z,a,8867-4,70,/min
            2025-01-06T08:00:10Z,a,8867-4,71,/min
            """);
        try
        {
            var rows = VitalsCsv.Load(path, VitalCatalogue.Default);

            Assert.Equal([3, 2, 4], rows.Select(r => r.Line));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("time,patient,code,value,unit", 1, "expected the header")]
    [InlineData("", 1, "the file is empty")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,8867-4,72", 2, "expected 5 fields")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,8867-4,72,/min\n06/01/2025 08:00,p,8867-4,72,/min", 3, "timestamp '06/01/2025 08:00' is not ISO-8601")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,,8867-4,72,/min", 2, "patient is empty")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,1234-5,72,/min", 2, "code '1234-5' is not the LOINC code of a known vital")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,8867-4,seventy,/min", 2, "value 'seventy' is not a number")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,8867-4,NaN,/min", 2, "value 'NaN' is not a number")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,p,8867-4,72,bpm", 2, "unit 'bpm' is not one of /min, {beats}/min")]
    [InlineData(Header + "\n2025-01-06T08:00:00Z,\"p,8867-4,72,/min", 2, "a quoted field is not closed")]
    public void A_bad_row_is_reported_with_its_line_number_and_what_is_wrong(string csv, int line, string problem)
    {
        var error = Assert.Throws<RecordingFormatException>(() => Read(csv));

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private const string Header = VitalsCsv.Header;
}
