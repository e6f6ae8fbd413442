namespace VitalTwin.TwinState.Snapshots;

// DaprClient.SaveBulkStateAsync sends no dapr-api-token header (dapr/dotnet-sdk#1282, still open in 1.19), so a
// sidecar with token authentication refuses every bulk save. This adds the header to any call that lacks it.
internal sealed class DaprApiTokenHandler(string token) : DelegatingHandler
{
    // The header the sidecar reads; DaprClient's own helper for it is internal.
    private const string HeaderName = "dapr-api-token";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(HeaderName))
        {
            request.Headers.TryAddWithoutValidation(HeaderName, token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
