using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.History;

/// <summary>
/// InfluxQL over plain HTTP (<c>GET /query</c>): InfluxDB.Client only speaks Flux, while this endpoint is
/// served by InfluxDB 1.x, by 2.x through a DBRP mapping and by 3.x.
/// </summary>
internal sealed class InfluxQueryClient
{
    private readonly HttpClient _http;
    private readonly string _database;

    public InfluxQueryClient(HttpClient http, IOptions<HistoryOptions> options)
    {
        var influx = options.Value.Influx;
        _http = http;
        _database = influx.Database ?? string.Empty;
        if (!influx.IsConfigured)
        {
            return;
        }

        // A base address without a trailing slash would drop its last path segment when "query" is resolved.
        var url = influx.Url!;
        _http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
        _http.Timeout = influx.RequestTimeout;
        if (!string.IsNullOrEmpty(influx.Token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", influx.Token);
        }
        else if (!string.IsNullOrEmpty(influx.Username))
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{influx.Username}:{influx.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }
    }

    /// <summary>Runs one SELECT; returns one series per <c>loinc</c> tag and the number of points in all of them.</summary>
    public async Task<(List<VitalSeries> Series, int PointCount, bool Partial)> QueryAsync(string influxQl, CancellationToken ct)
    {
        var uri = $"query?db={Uri.EscapeDataString(_database)}&epoch=ns&q={Uri.EscapeDataString(influxQl)}";
        using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            // A 400 carries the parser's complaint, which can quote the query and with it the patient id.
            var detail = response.StatusCode == HttpStatusCode.BadRequest ? string.Empty : ": " + await ErrorOf(response, ct);
            throw new HttpRequestException($"InfluxDB answered the history query with HTTP {(int)response.StatusCode}{detail}", null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        return Parse(json.RootElement);
    }

    internal static (List<VitalSeries> Series, int PointCount, bool Partial) Parse(JsonElement root)
    {
        var series = new List<VitalSeries>();
        var pointCount = 0;
        var partial = false;
        if (!root.TryGetProperty("results", out var results) || results.GetArrayLength() == 0)
        {
            return (series, pointCount, partial);
        }

        var result = results[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"InfluxDB could not run the history query: {error.GetString()}");
        }

        partial = result.TryGetProperty("partial", out var resultPartial) && resultPartial.GetBoolean();
        if (!result.TryGetProperty("series", out var rows))
        {
            return (series, pointCount, partial);
        }

        foreach (var row in rows.EnumerateArray())
        {
            partial |= row.TryGetProperty("partial", out var rowPartial) && rowPartial.GetBoolean();
            var loinc = row.GetProperty("tags").GetProperty("loinc").GetString() ?? string.Empty;
            var columns = row.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
            var time = columns.IndexOf("time");
            var points = new List<HistoryPoint>();
            if (row.TryGetProperty("values", out var values))
            {
                var aggregated = columns.Contains("mean");
                var (mean, min, max, count) = aggregated
                    ? (columns.IndexOf("mean"), columns.IndexOf("min"), columns.IndexOf("max"), columns.IndexOf("count"))
                    : (columns.IndexOf("value"), -1, -1, -1);
                foreach (var value in values.EnumerateArray())
                {
                    if (value[mean].ValueKind != JsonValueKind.Number)
                    {
                        continue;
                    }

                    var at = DateTimeOffset.UnixEpoch.AddTicks(value[time].GetInt64() / 100);
                    var m = value[mean].GetDouble();
                    points.Add(aggregated
                        ? new HistoryPoint(at, m, value[min].GetDouble(), value[max].GetDouble(), value[count].GetInt64())
                        : new HistoryPoint(at, m, m, m, 1));
                }
            }

            pointCount += points.Count;
            series.Add(new VitalSeries(loinc, points));
        }

        return (series, pointCount, partial);
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                return error.GetString() ?? string.Empty;
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's error page, say; its start is still the best description there is.
        }

        return text.Length <= 200 ? text : string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, 200)}…");
    }
}
