using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// Answers a gRPC call that authentication or authorization refused before any service code ran with the status
/// and a short reason, instead of a bare HTTP 401 or 403 that a client shows as "Bad gRPC response". A reason
/// says what is wrong with the token or which role is missing; it is the same whichever patient the call named.
/// </summary>
internal static class GrpcRefusal
{
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// A trailers-only response, as the gRPC server itself refuses a call: HTTP 200 with the status in the headers.
    /// Clients read the status from there; some ignore it under any other HTTP status.
    /// </summary>
    public static void Write(HttpResponse response, StatusCode status, string reason)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        // Every reason is plain ASCII without '%', so it needs no percent-encoding.
        response.Headers["grpc-message"] = reason;
    }

    /// <summary>
    /// Why the bearer token of <paramref name="request"/> was not accepted, from the failure of its validation
    /// (none when no token came) and the signature algorithms accepted.
    /// </summary>
    public static string Unauthenticated(Exception? failure, HttpRequest request, IReadOnlyList<string> algorithms) => (failure is AggregateException { InnerExceptions: [var first, ..] } ? first : failure) switch
    {
        null => "a bearer access token is required",
        SecurityTokenExpiredException => "the access token expired",
        SecurityTokenNotYetValidException => "the access token is not valid yet",
        SecurityTokenInvalidAudienceException => "the access token is for another audience",
        SecurityTokenInvalidIssuerException => "the access token is from an issuer not trusted",
        SecurityTokenInvalidTypeException => "the token is not an access token (typ)",
        SecurityTokenInvalidAlgorithmException => "the access token is signed with an algorithm not accepted",
        // The token library reports a signature made with an algorithm not accepted as one no key verifies.
        SecurityTokenInvalidSignatureException when !SignedWithOneOf(request, algorithms) => "the access token is signed with an algorithm not accepted",
        SecurityTokenInvalidSignatureException => "the access token's signature is not trusted",
        SecurityTokenMalformedException => "the access token is malformed",
        _ => "the access token is not valid",
    };

    private static bool SignedWithOneOf(HttpRequest request, IReadOnlyList<string> algorithms)
    {
        const string Bearer = "Bearer ";
        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization[Bearer.Length..].Trim() : string.Empty;
        return !new JsonWebTokenHandler().CanReadToken(token) || algorithms.Contains(new JsonWebToken(token).Alg, StringComparer.Ordinal);
    }

    /// <summary>Why an authenticated caller was refused: the roles the method needs, which its token lacks.</summary>
    public static string PermissionDenied(AuthorizationFailure? failure)
    {
        var roles = failure?.FailedRequirements.OfType<RolesAuthorizationRequirement>().FirstOrDefault()?.AllowedRoles;
        return roles is { } allowed && allowed.Any()
            ? $"role {string.Join(" or ", allowed)} required"
            : "the access token does not allow this call";
    }
}
