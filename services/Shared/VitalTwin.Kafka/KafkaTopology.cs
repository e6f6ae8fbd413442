namespace VitalTwin.Kafka;

/// <summary>How a service uses a topic.</summary>
public enum TopicRole
{
    /// <summary>Publishes to it.</summary>
    Produces,

    /// <summary>Reads it in a consumer group: each replica handles the partitions the group gives it.</summary>
    Consumes,

    /// <summary>Reads all of it in every replica, without a group (a <see cref="TopicFollower"/>).</summary>
    Follows,
}

/// <summary>
/// One use of one topic. The topic is picked from the configured names, as the code picks it; a consumer's use names
/// the consumer and, when it keeps offsets of its own, how its group derives from the service's.
/// </summary>
public sealed record TopicUse(TopicRole Role, Func<KafkaTopics, string> Topic, Type? Consumer = null, Func<string, string>? Group = null);

/// <summary>
/// Which topics a service produces, consumes and follows, declared where the consumers, followers and producers are
/// registered (<see cref="KafkaServiceCollectionExtensions.AddKafkaTopology"/>,
/// <see cref="KafkaServiceCollectionExtensions.AddEventConsumer{TConsumer}"/>). A consumer subscribes to exactly what
/// its declaration names, so the declaration cannot drift from what runs; the README's topology table is generated
/// from the services' declarations.
/// </summary>
public sealed class KafkaTopology
{
    private readonly List<TopicUse> _uses = [];

    public IReadOnlyList<TopicUse> Uses => _uses;

    public KafkaTopology Produces(params Func<KafkaTopics, string>[] topics) => Add(TopicRole.Produces, topics);

    public KafkaTopology Follows(params Func<KafkaTopics, string>[] topics) => Add(TopicRole.Follows, topics);

    /// <summary>The topics <typeparamref name="TConsumer"/> subscribes to, in the service's consumer group.</summary>
    public KafkaTopology Consumes<TConsumer>(params Func<KafkaTopics, string>[] topics) where TConsumer : EventConsumer =>
        Add(TopicRole.Consumes, topics, typeof(TConsumer));

    /// <summary>As above, for a consumer whose group <paramref name="group"/> derives from the service's.</summary>
    public KafkaTopology Consumes<TConsumer>(Func<string, string> group, params Func<KafkaTopics, string>[] topics) where TConsumer : EventConsumer =>
        Add(TopicRole.Consumes, topics, typeof(TConsumer), group);

    /// <summary>The topics <paramref name="consumer"/> subscribes to, in the order declared.</summary>
    /// <exception cref="InvalidOperationException">No topic is declared for it.</exception>
    public IReadOnlyList<string> SubscriptionOf(Type consumer, KafkaTopics topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var subscribed = _uses.Where(use => use.Role == TopicRole.Consumes && use.Consumer == consumer)
            .Select(use => use.Topic(topics)).Distinct(StringComparer.Ordinal).ToList();
        return subscribed.Count > 0
            ? subscribed
            : throw new InvalidOperationException($"{consumer.Name} consumes no topic: name its topics where it is registered (AddEventConsumer or AddKafkaTopology).");
    }

    private KafkaTopology Add(TopicRole role, Func<KafkaTopics, string>[] topics, Type? consumer = null, Func<string, string>? group = null)
    {
        ArgumentNullException.ThrowIfNull(topics);
        _uses.AddRange(topics.Select(topic => new TopicUse(role, topic, consumer, group)));
        return this;
    }
}
