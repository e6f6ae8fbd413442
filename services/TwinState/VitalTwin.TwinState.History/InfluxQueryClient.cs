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
    /// <summary>
    /// Points per chunk asked of InfluxDB (1.x's own default, said out loud). Only one chunk is held as JSON at a
    /// time, and a chunked response is never cut at the server's <c>max-row-limit</c>; a response that is not
    /// chunked would be, and influxd 1.x flags a series of more than one chunk <c>partial</c> in it even when whole.
    /// </summary>
    internal const int ChunkSize = 10_000;

    private readonly HttpClient _http;
    private readonly string _database;
    private readonly int _maxPoints;
    private readonly TimeSpan _requestTimeout;

    public InfluxQueryClient(HttpClient http, IOptions<HistoryOptions> options)
    {
        var influx = options.Value.Influx;
        _http = http;
        _database = influx.Database ?? string.Empty;
        _maxPoints = options.Value.MaxPointsPerQuery;
        _requestTimeout = influx.RequestTimeout;
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

    /// <summary>
    /// Runs one SELECT and returns one series per <c>loinc</c> tag and the number of points in all of them. The
    /// response is read chunk by chunk and reading stops once more than <see cref="HistoryOptions.MaxPointsPerQuery"/>
    /// points have arrived; <c>Partial</c> then says the series hold only part of what the query matched.
    /// </summary>
    /// <exception cref="HttpRequestException">InfluxDB refused the query, or its response broke off before the last chunk.</exception>
    /// <exception cref="InvalidOperationException">InfluxDB could not run the statement.</exception>
    public async Task<(List<VitalSeries> Series, int PointCount, bool Partial)> QueryAsync(string influxQl, CancellationToken ct)
    {
        // HttpClient.Timeout stops counting at the response headers; a chunked body can still stall after them.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_requestTimeout);
        var uri = string.Create(
            CultureInfo.InvariantCulture,
            $"query?db={Uri.EscapeDataString(_database)}&epoch=ns&chunked=true&chunk_size={ChunkSize}&q={Uri.EscapeDataString(influxQl)}");
        using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            // A 400 carries the parser's complaint, which can quote the query and with it the patient id.
            var detail = response.StatusCode == HttpStatusCode.BadRequest ? string.Empty : ": " + await ErrorOf(response, deadline.Token);
            throw new HttpRequestException($"InfluxDB answered the history query with HTTP {(int)response.StatusCode}{detail}", null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var answer = new InfluxAnswer();
        try
        {
            await foreach (var chunk in JsonSerializer.DeserializeAsyncEnumerable<JsonDocument>(body, topLevelValues: true, cancellationToken: deadline.Token))
            {
                using (chunk)
                {
                    answer.Add(chunk?.RootElement ?? default);
                }

                if (answer.PointCount > _maxPoints)
                {
                    // The rest is never read: disposing the response drops the connection, and influxd stops a
                    // query whose client has gone.
                    return (answer.Series, answer.PointCount, true);
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "InfluxDB's answer to the history query broke off or could not be read.", e);
        }

        if (answer.MoreToCome)
        {
            // Returning what arrived would pass a truncated history off as a complete one.
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "InfluxDB ended its answer to the history query while announcing more chunks.");
        }

        return (answer.Series, answer.PointCount, false);
    }

    /// <summary>
    /// Reads one response body, or one chunk of one. <c>Partial</c> is InfluxDB's own flag: more of the last series
    /// or of the statement follows in another chunk, or the server cut an unchunked answer at its <c>max-row-limit</c>.
    /// </summary>
    internal static (List<VitalSeries> Series, int PointCount, bool Partial) Parse(JsonElement root)
    {
        var answer = new InfluxAnswer();
        answer.Add(root);
        return (answer.Series, answer.PointCount, answer.MoreToCome);
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

/// <summary>
/// The series of one InfluxQL response, assembled from its chunks. A series longer than a chunk arrives in pieces,
/// each flagged <c>partial</c> but the last; a result is flagged <c>partial</c> while more chunks of its statement follow.
/// </summary>
internal sealed class InfluxAnswer
{
    private string? _loinc;
    private List<HistoryPoint>? _points;

    public List<VitalSeries> Series { get; } = [];

    public int PointCount { get; private set; }

    /// <summary>Whether the last chunk added said that more follows, of its last series or of its statement.</summary>
    public bool MoreToCome { get; private set; }

    public void Add(JsonElement chunk)
    {
        if (chunk.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A chunk of InfluxDB's answer is not a JSON object.");
        }

        if (!chunk.TryGetProperty("results", out var results))
        {
            MoreToCome = false;
            return;
        }

        foreach (var result in results.EnumerateArray())
        {
            if (result.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"InfluxDB could not run the history query: {error.GetString()}");
            }

            var lastRowGoesOn = false;
            if (result.TryGetProperty("series", out var rows))
            {
                foreach (var row in rows.EnumerateArray())
                {
                    AddRow(row);
                    lastRowGoesOn = IsPartial(row);
                }
            }

            MoreToCome = IsPartial(result) || lastRowGoesOn;
        }
    }

    private static bool IsPartial(JsonElement element) =>
        element.TryGetProperty("partial", out var partial) && partial.ValueKind == JsonValueKind.True;

    private void AddRow(JsonElement row)
    {
        var loinc = row.GetProperty("tags").GetProperty("loinc").GetString() ?? string.Empty;

        // A row with the previous row's code is the rest of that series, cut at a chunk boundary.
        if (_points is null || !string.Equals(loinc, _loinc, StringComparison.Ordinal))
        {
            _loinc = loinc;
            _points = [];
            Series.Add(new VitalSeries(loinc, _points));
        }

        if (!row.TryGetProperty("values", out var values))
        {
            return;
        }

        var columns = row.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
        var time = columns.IndexOf("time");
        var aggregated = columns.Contains("mean");
        var (mean, min, max, count) = aggregated
            ? (columns.IndexOf("mean"), columns.IndexOf("min"), columns.IndexOf("max"), columns.IndexOf("count"))
            : (columns.IndexOf("value"), -1, -1, -1);
        var before = _points.Count;
        foreach (var value in values.EnumerateArray())
        {
            if (value[mean].ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            var at = DateTimeOffset.UnixEpoch.AddTicks(value[time].GetInt64() / 100);
            var m = value[mean].GetDouble();
            _points.Add(aggregated
                ? new HistoryPoint(at, m, value[min].GetDouble(), value[max].GetDouble(), value[count].GetInt64())
                : new HistoryPoint(at, m, m, m, 1));
        }

        PointCount += _points.Count - before;
    }
}
