using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Audit.V1;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// A caller whose token is valid but whose role does not allow the method is refused by the authorization
/// middleware, before any service code runs; this records that refusal in the audit trail. The request body is
/// not read, so the event names the caller and the method, not a patient. A gRPC caller is told which role the
/// method needs.
/// </summary>
internal sealed partial class AuditedAuthorizationResultHandler(AuditTrail audit, ILogger<AuditedAuthorizationResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && Caller.From(context.User) is not null)
        {
            try
            {
                await audit.RecordAsync(context, context.Request.Path.Value?.TrimStart('/') ?? string.Empty, [], AuditOutcome.Denied, "role not allowed", context.RequestAborted);
            }
            catch (RpcException)
            {
                // Nothing is disclosed by a refusal, so it stands even when it cannot be recorded.
                LogRefusalNotRecorded(logger);
            }
        }
        if (authorizeResult.Forbidden && GrpcRefusal.IsGrpc(context.Request))
        {
            GrpcRefusal.Write(context.Response, StatusCode.PermissionDenied, GrpcRefusal.PermissionDenied(authorizeResult.AuthorizationFailure));
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A refused call could not be recorded in the audit trail; it was refused all the same")]
    private static partial void LogRefusalNotRecorded(ILogger logger);
}
