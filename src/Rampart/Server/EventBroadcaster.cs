using System.Threading.Channels;

namespace Rampart.Server;

/// <summary>
/// Fan-out of server events to SSE clients (API-080): each subscriber has a 32-frame buffer and
/// frames that do not fit are dropped for that subscriber only, so a slow client never slows decisions.
/// </summary>
internal sealed class EventBroadcaster
{
    const int BufferFrames = 32;
    readonly Lock _gate = new();
    Channel<string>[] _subscribers = [];

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    public ChannelReader<string> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(BufferFrames)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
        lock (_gate) _subscribers = [.. _subscribers, channel];
        unsubscribe = () =>
        {
            lock (_gate) _subscribers = Array.FindAll(_subscribers, c => c != channel);
            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    /// <summary>Queues one frame's JSON for every subscriber.</summary>
    public void Publish(string json)
    {
        foreach (var c in Volatile.Read(ref _subscribers)) c.Writer.TryWrite(json);
    }

    /// <summary>Ends every stream (shutdown, CLI-016).</summary>
    public void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var c in _subscribers) c.Writer.TryComplete();
            _subscribers = [];
        }
    }
}
