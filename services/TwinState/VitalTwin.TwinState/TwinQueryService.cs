using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState;

internal sealed class TwinQueryService(TwinRegistry twins, VitalCatalogue catalogue, IOptions<TwinQueryOptions> options) : TwinQuery.TwinQueryBase
{
    public override Task<Contracts.Twin.V1.PatientTwin> GetTwin(GetTwinRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.PatientId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "patient_id is required"));
        }
        if (!twins.TryGet(request.PatientId, out var twin))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no twin for that patient"));
        }
        return Task.FromResult(twin!.Snapshot().ToContract(catalogue));
    }

    public override Task<ListTwinsResponse> ListTwins(ListTwinsRequest request, ServerCallContext context)
    {
        var settings = options.Value;
        if (request.PageSize < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_size must not be negative"));
        }
        var pageSize = request.PageSize == 0 ? settings.DefaultPageSize : Math.Min(request.PageSize, settings.MaxPageSize);
        var after = PageToken.Decode(request.PageToken);
        var page = twins.Page(after, pageSize + 1);
        var response = new ListTwinsResponse();
        response.Twins.AddRange(page.Take(pageSize).Select(t => t.ToContract(catalogue)));
        if (page.Count > pageSize)
        {
            response.NextPageToken = PageToken.Encode(page[pageSize - 1].PatientId);
        }
        return Task.FromResult(response);
    }
}
