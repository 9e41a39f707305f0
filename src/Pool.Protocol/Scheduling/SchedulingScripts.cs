using Pool.Protocol.Scripts;

namespace Pool.Protocol.Scheduling;

/// <summary>The atomic scripts of delayed jobs, the scheduler's lease, recurring fires and retries (Scripts/Lua/delayed_*, scheduler_*, schedule_*, retry_*).</summary>
internal static class SchedulingScripts
{
    public static readonly LuaScriptText Push = LuaScriptText.Load("delayed_push");
    public static readonly LuaScriptText Remove = LuaScriptText.Load("delayed_remove");
    public static readonly LuaScriptText Move = LuaScriptText.Load("delayed_move");
    public static readonly LuaScriptText Tick = LuaScriptText.Load("scheduler_tick");
    public static readonly LuaScriptText Release = LuaScriptText.Load("scheduler_release");
    public static readonly LuaScriptText Fire = LuaScriptText.Load("schedule_fire");
    public static readonly LuaScriptText Publish = LuaScriptText.Load("schedule_publish");
    public static readonly LuaScriptText RetryFail = LuaScriptText.Load("retry_fail");
    public static readonly LuaScriptText RetryEdit = LuaScriptText.Load("retry_edit");
}
