using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VitalTwin.TwinState.History;

namespace VitalTwin.TwinState.Health;

/// <summary>
/// Readiness when history goes to InfluxDB: its <c>/ping</c> answers (1.x, 2.x and 3.x all serve it). Offsets are
/// stored only after history is written, so a TwinState that cannot reach InfluxDB makes no progress and should
/// not be sent queries as if it did.
/// </summary>
internal sealed class InfluxHealthCheck(HttpClient http, IOptions<HistoryOptions> options) : IHealthCheck
{
    // A readiness probe answers within a couple of seconds or says the store is unreachable.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var influx = options.Value.Influx;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(influx.Url!.TrimEnd('/') + "/"), "ping"));
        // 3.x asks for credentials on /ping unless told otherwise; 1.x and 2.x ignore them there.
        request.Headers.Authorization = !string.IsNullOrEmpty(influx.Token)
            ? new AuthenticationHeaderValue("Token", influx.Token)
            : !string.IsNullOrEmpty(influx.Username)
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{influx.Username}:{influx.Password}")))
                : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy("InfluxDB answers its ping")
                : HealthCheckResult.Unhealthy($"InfluxDB answered its ping with HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException ex)
        {
            return HealthCheckResult.Unhealthy($"InfluxDB unreachable ({ex.HttpRequestError})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"InfluxDB did not answer its ping within {ProbeTimeout.TotalSeconds:0} s");
        }
    }
}
