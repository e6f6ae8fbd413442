using k8s;
using k8s.Models;

namespace VitalTwin.Deploy.Tests.Dapr;

/// <summary>
/// Dapr's Component resource (dapr.io/v1alpha1), as its documented component schema gives it. Read strictly,
/// so a field the schema does not have fails the test instead of being ignored by Dapr.
/// </summary>
public sealed class DaprComponent : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "dapr.io/v1alpha1";

    public string ApiVersion { get; set; } = ApiGroupVersion;

    public string Kind { get; set; } = "Component";

    public V1ObjectMeta Metadata { get; set; } = new();

    public DaprComponentAuth? Auth { get; set; }

    public DaprComponentSpec Spec { get; set; } = new();

    /// <summary>App ids allowed to load the component; none means every app in the namespace.</summary>
    public IList<string>? Scopes { get; set; }

    /// <summary>What the CRD requires and the sidecar checks when it loads the component.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(Metadata?.Name))
        {
            yield return "metadata.name is required";
        }

        if (string.IsNullOrEmpty(Spec.Type) || !Spec.Type.Contains('.', StringComparison.Ordinal))
        {
            yield return $"spec.type '{Spec.Type}' must be a component type such as state.redis";
        }

        if (string.IsNullOrEmpty(Spec.Version))
        {
            yield return "spec.version is required";
        }

        foreach (var item in Spec.Metadata ?? [])
        {
            if (string.IsNullOrEmpty(item.Name))
            {
                yield return "every spec.metadata item needs a name";
            }

            if ((item.Value is null) == (item.SecretKeyRef is null))
            {
                yield return $"spec.metadata '{item.Name}' needs exactly one of value and secretKeyRef";
            }

            if (item.SecretKeyRef is { } secret && (string.IsNullOrEmpty(secret.Name) || string.IsNullOrEmpty(secret.Key)))
            {
                yield return $"spec.metadata '{item.Name}' secretKeyRef needs name and key";
            }
        }
    }
}

public sealed class DaprComponentAuth
{
    public string? SecretStore { get; set; }
}

public sealed class DaprComponentSpec
{
    public string? Type { get; set; }

    public string? Version { get; set; }

    public string? InitTimeout { get; set; }

    public bool? IgnoreErrors { get; set; }

    public IList<DaprMetadataItem>? Metadata { get; set; }
}

public sealed class DaprMetadataItem
{
    public string? Name { get; set; }

    public string? Value { get; set; }

    public DaprSecretKeyRef? SecretKeyRef { get; set; }
}

public sealed class DaprSecretKeyRef
{
    public string? Name { get; set; }

    public string? Key { get; set; }
}
