using Google.Protobuf;
using Grpc.Core;

namespace VitalTwin.ServiceDefaults;

/// <summary>
/// Binds a generated gRPC service with one change: a request body that is not valid Protobuf is refused as
/// INVALID_ARGUMENT. Left to the generated marshaller it fails before the service is called, as UNKNOWN
/// ("Exception was thrown by handler") with an error logged for every such call. A service opts in with
/// <c>[BindServiceMethod(typeof(TheService), nameof(BindService))]</c> and a static
/// <c>BindService(ServiceBinderBase binder, Generated.GeneratedBase? service)</c> that calls the generated
/// <c>Generated.BindService(new StrictRequestBinder(binder), service)</c>.
/// </summary>
public sealed class StrictRequestBinder(ServiceBinderBase binder) : ServiceBinderBase
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        binder.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        binder.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        binder.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        binder.AddMethod(Strict(method), handler);

    private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var requests = method.RequestMarshaller;
        var refusal = new Status(StatusCode.InvalidArgument, $"the request is not a valid {method.Name} message");
        var strict = Marshallers.Create(requests.ContextualSerializer, context =>
        {
            try
            {
                return requests.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException)
            {
                throw new RpcException(refusal);
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, strict, method.ResponseMarshaller);
    }
}
