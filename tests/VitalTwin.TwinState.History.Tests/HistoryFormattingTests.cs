using System.Text;

namespace VitalTwin.TwinState.History.Tests;

public sealed class HistoryFormattingTests
{
    [Fact]
    public void Line_protocol_escapes_tag_values_and_the_unit()
    {
        var point = new VitalPoint("Ward 7, \"Bed\" 3=O'Brien", "8867-4", 72.5, "mm\"Hg\\", DateTimeOffset.UnixEpoch.AddTicks(12_345), "dev=1");
        var line = new StringBuilder();

        LineProtocol.Append(line, point);

        Assert.Equal("vitals,device=dev\\=1,loinc=8867-4,patient=Ward\\ 7\\,\\ \"Bed\"\\ 3\\=O'Brien unit=\"mm\\\"Hg\\\\\",value=72.5 1234500", line.ToString());
    }

    [Theory]
    [InlineData(72.0, "value=72 ")]
    [InlineData(0.1, "value=0.1 ")]
    [InlineData(-1e-7, "value=-1E-07 ")]
    public void Values_are_written_invariantly(double value, string expected)
    {
        var line = new StringBuilder();

        LineProtocol.Append(line, new VitalPoint("p", "l", value, "u", DateTimeOffset.UnixEpoch, "d"));

        Assert.Contains(expected, line.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void InfluxQL_quotes_every_caller_supplied_string()
    {
        var query = new HistoryQuery("x' OR \"patient\" =~ /.*/ \\", [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), null);

        var influxQl = InfluxQl.Build(query, ["8867-4", "a'b"], "rp \"one\"", limit: 11);

        Assert.Equal(
            "SELECT \"value\" FROM \"rp \\\"one\\\"\".\"vitals\" WHERE \"patient\" = 'x\\' OR \"patient\" =~ /.*/ \\\\'"
            + " AND (\"loinc\" = '8867-4' OR \"loinc\" = 'a\\'b')"
            + " AND time >= '1970-01-01T00:00:00.0000000Z' AND time < '1970-01-01T01:00:00.0000000Z' GROUP BY \"loinc\" LIMIT 11",
            influxQl);
    }

    [Fact]
    public void Aggregated_InfluxQL_groups_by_window_and_code()
    {
        var query = new HistoryQuery("p", [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), TimeSpan.FromMinutes(5));

        var influxQl = InfluxQl.Build(query, [], retentionPolicy: null, limit: 101);

        Assert.StartsWith("SELECT mean(\"value\"), min(\"value\"), max(\"value\"), count(\"value\") FROM \"vitals\" WHERE \"patient\" = 'p' AND time >= ", influxQl, StringComparison.Ordinal);
        Assert.EndsWith(" GROUP BY time(300000ms), \"loinc\" fill(none) LIMIT 101", influxQl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(600_000_000, "60000ms")]
    [InlineData(15_000, "1500u")]
    [InlineData(3, "300ns")]
    public void Windows_become_exact_duration_literals(long ticks, string expected)
    {
        Assert.Equal(expected, InfluxQl.Duration(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData("2025-03-01T10:07:30Z", 300, "2025-03-01T10:05:00Z")]
    [InlineData("2025-03-01T10:05:00Z", 300, "2025-03-01T10:05:00Z")]
    [InlineData("2025-03-01T10:07:30Z", 420, "2025-03-01T10:06:00Z")]
    [InlineData("1969-12-31T23:59:59Z", 60, "1969-12-31T23:59:00Z")]
    public void Windows_are_aligned_to_the_epoch(string time, int windowSeconds, string expected)
    {
        var start = HistoryRules.WindowStart(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(windowSeconds));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), start);
    }

    [Fact]
    public void Query_responses_are_parsed_per_code()
    {
        using var json = System.Text.Json.JsonDocument.Parse("""
            {"results":[{"statement_id":0,"series":[
              {"name":"vitals","tags":{"loinc":"8867-4"},"columns":["time","mean","min","max","count"],
               "values":[[1740823200000000000,71.5,70,73,4],[1740823260000000000,72,72,72,1]]}]}]}
            """);

        var (series, count, partial) = InfluxQueryClient.Parse(json.RootElement);

        Assert.False(partial);
        Assert.Equal(2, count);
        var only = Assert.Single(series);
        Assert.Equal("8867-4", only.Loinc);
        Assert.Equal(new HistoryPoint(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero), 71.5, 70, 73, 4), only.Points[0]);
    }

    [Fact]
    public void A_statement_error_is_reported()
    {
        using var json = System.Text.Json.JsonDocument.Parse("""{"results":[{"statement_id":0,"error":"database not found: vitaltwin"}]}""");

        var failure = Assert.Throws<InvalidOperationException>(() => InfluxQueryClient.Parse(json.RootElement));

        Assert.Contains("database not found", failure.Message, StringComparison.Ordinal);
    }
}
