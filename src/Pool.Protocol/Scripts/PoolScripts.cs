namespace Pool.Protocol.Scripts;

/// <summary>The atomic scripts of Pool's protocol, loaded once per process.</summary>
internal static class PoolScripts
{
    public static readonly LuaScriptText Enqueue = LuaScriptText.Load("enqueue");
    public static readonly LuaScriptText EnqueueMany = LuaScriptText.Load("enqueue_many");
    public static readonly LuaScriptText Reserve = LuaScriptText.Load("reserve");
    public static readonly LuaScriptText Requeue = LuaScriptText.Load("requeue");
    public static readonly LuaScriptText Fail = LuaScriptText.Load("fail");
    public static readonly LuaScriptText Checkpoint = LuaScriptText.Load("checkpoint");
    public static readonly LuaScriptText Recover = LuaScriptText.Load("recover");
    public static readonly LuaScriptText RecoverForeign = LuaScriptText.Load("recover_foreign");
    public static readonly LuaScriptText Register = LuaScriptText.Load("register");
    public static readonly LuaScriptText Heartbeat = LuaScriptText.Load("heartbeat");
    public static readonly LuaScriptText Vouch = LuaScriptText.Load("vouch");
    public static readonly LuaScriptText Unregister = LuaScriptText.Load("unregister");
    public static readonly LuaScriptText FailedEdit = LuaScriptText.Load("failed_edit");
    public static readonly LuaScriptText Resume = LuaScriptText.Load("resume");
    public static readonly LuaScriptText Charge = LuaScriptText.Load("charge");

    /// <summary>How many wake tokens a queue's wake list keeps; more would only cause idle spins.</summary>
    public const int WakeBound = 100;
}
