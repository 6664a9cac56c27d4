# SPDX-License-Identifier: GPL-3.0-or-later
# Simplified Chinese for the console. `python3 translations/zh_CN.py` writes every entry
# into jobfirst_zh_CN.ts (after `cmake --build build --target update_translations`) and
# fails, naming them, if any source text has no translation here.
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ZH = {
    "unknown": "未知", "up": "正常", "down": "故障", "failed": "失效",
    "ready": "就绪", "draining": "排空中", "maintenance": "维护中",
    "closed": "闭合", "open": "断开", "half-open": "半开",
    "%1 ms": "%1 毫秒", "%1 s": "%1 秒", "%1 min": "%1 分钟", "%1 h": "%1 小时",
    "Time": "时间", "Who": "操作人", "Action": "操作", "Subject": "对象", "Before": "变更前", "After": "变更后",
    "Filter by who, action or subject": "按操作人、操作或对象筛选",
    "Node %1 is down": "节点 %1 故障",
    "Node %1 failed (down longer than node_timeout)": "节点 %1 失效（故障时间超过 node_timeout）",
    "Node %1 is back up": "节点 %1 已恢复",
    "Circuit of target %1 is open; its events wait": "目标 %1 的熔断器已断开，其事件正在等待",
    "Target %1 was disabled": "目标 %1 已被停用",
    "Sync backlog passed its threshold": "同步积压超过阈值",
    "Config file rejected": "配置文件被拒绝",
    "Round robin": "轮询", "Least connections": "最少连接", "Weighted round robin": "加权轮询",
    "IP hash": "IP 哈希", "Power of two choices": "二选一（P2C）",
    "Live balancer": "实时负载均衡", "Strategy for real traffic:": "真实流量使用的策略：", "Apply": "应用",
    "Load current nodes": "载入当前节点", "Arrival rate (requests/s)": "到达速率（请求/秒）",
    "Requests to simulate": "模拟请求数", "Seed": "随机种子", "Run simulation": "运行模拟", "Cancel": "取消",
    "Node": "节点", "Weight": "权重", "Capacity (concurrent)": "容量（并发）", "Latency (ms)": "延迟（毫秒）",
    "Queue limit": "队列上限", "Strategy": "策略", "Served": "已处理", "Queued": "曾排队", "Rejected": "被拒绝",
    "p50 (ms)": "p50（毫秒）", "p95 (ms)": "p95（毫秒）", "p99 (ms)": "p99（毫秒）",
    "Requests per node": "各节点请求数", "Cannot simulate: %1": "无法模拟：%1",
    "Simulating %1 requests per strategy…": "每种策略模拟 %1 个请求……", "Cancelled.": "已取消。",
    "%1 simulated requests in %2 s (%3 million per second).": "%2 秒内模拟了 %1 个请求（每秒 %3 百万）。",
    "Version": "版本", "Applied": "应用时间", "By": "操作人", "Validate": "校验",
    "Revert to running": "恢复为运行中的配置", "Compare with running…": "与运行中的配置比较……",
    "Roll back to this version…": "回滚到此版本……",
    "The config file changed on disk but could not be used; the running config is kept.\n%1":
        "磁盘上的配置文件已更改但无法使用，继续使用当前运行的配置。\n%1",
    "Version %1 (-) against the running config (+)": "版本 %1（-）与运行中的配置（+）对比",
    "Roll back": "回滚", "Apply configuration version %1 again?": "重新应用配置版本 %1？",
    "Open cluster store": "打开集群存储", "Cluster stores (*.db);;All files (*)": "集群存储 (*.db);;所有文件 (*)",
    "New cluster store": "新建集群存储", "Cluster stores (*.db)": "集群存储 (*.db)",
    "Import configuration": "导入配置", "JSON (*.json)": "JSON (*.json)", "Export configuration": "导出配置",
    "About JobFirst Cluster Console": "关于 JobFirst 集群控制台",
    "<b>JobFirst Cluster Console</b> %1<br>Keeps JobFirst user data in sync across the Basic Server cluster and the six JobFirst services, and shows whether it did.<br><br>Store: %2<br>Config: %3":
        "<b>JobFirst 集群控制台</b> %1<br>让 JobFirst 用户数据在 Basic Server 集群与六个 JobFirst 微服务之间保持同步，并展示同步是否完成。<br><br>存储：%2<br>配置：%3",
    "built-in defaults": "内置默认值",
    "JobFirst Cluster Console — demo cluster": "JobFirst 集群控制台 — 演示集群",
    "JobFirst Cluster Console": "JobFirst 集群控制台",
    "&File": "文件(&F)", "&Open cluster store…": "打开集群存储(&O)……", "&New cluster store…": "新建集群存储(&N)……",
    "&Import configuration…": "导入配置(&I)……", "&Export configuration…": "导出配置(&E)……", "&Quit": "退出(&Q)",
    "&View": "视图(&V)", "&Refresh interval": "刷新间隔(&R)", "Paused": "暂停",
    "&Language": "语言(&L)", "System language": "跟随系统", "&Help": "帮助(&H)", "&About": "关于(&A)",
    "Demo cluster: three simulated Basic Server nodes and the six JobFirst services run as local processes on this machine, with a steady stream of user events. Nothing here touches a real cluster.":
        "演示集群：三个模拟的 Basic Server 节点和六个 JobFirst 微服务作为本机进程运行，并持续产生用户事件。这里的操作不会影响任何真实集群。",
    "Cluster %1": "集群 %1", "Nodes: %1 up of %2, %3 failed": "节点：%2 个中 %1 个正常，%3 个故障",
    "Sync backlog: %1": "同步积压：%1", "JobFirst cluster": "JobFirst 集群",
    "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.":
        "请使用 1-64 个字母、数字、“.”、“_”或“-”，并以字母或数字开头。",
    "The URL must start with http:// or https://.": "URL 必须以 http:// 或 https:// 开头。",
    "The URL has no host.": "URL 缺少主机名。",
    "Enter the node's URL, e.g. http://10.0.0.5:8080.": "请输入节点 URL，例如 http://10.0.0.5:8080。",
    "The URL is malformed.": "URL 格式不正确。",
    "The health path must start with '/' and contain no spaces.": "健康检查路径必须以“/”开头且不含空格。",
    "The weight must be a whole number from 1 to 256.": "权重必须是 1 到 256 之间的整数。",
    "Tags are separated by commas and may not be empty.": "标签以逗号分隔，且不能为空。",
    "Test connection": "测试连接", "Edit node": "编辑节点", "Add node": "添加节点",
    "e.g. beijing,primary": "例如 beijing,primary", "Node ID": "节点 ID", "URL": "URL", "Health path": "健康检查路径",
    "Weight (1-256)": "权重（1-256）", "Tags": "标签",
    "A node with this ID already exists.": "已存在相同 ID 的节点。",
    "The cluster is full: max_nodes is %1. Remove a node or raise max_nodes first.":
        "集群已满：max_nodes 为 %1。请先移除节点或调高 max_nodes。",
    "Checking %1 …": "正在检查 %1 ……", "Healthy (%1 ms)": "健康（%1 毫秒）", "Failed: %1": "失败：%1",
    "Latency of the selected node": "所选节点的延迟", "ms": "毫秒", "Status": "状态", "Admin": "管理状态",
    "Connections": "连接数", "Response (ms)": "响应（毫秒）", "Success %": "成功率 %", "Requests": "请求数",
    "Last check": "最近检查", "Changed": "状态变更", "From": "原状态", "To": "新状态", "Reason": "原因",
    "Add…": "添加……", "Edit…": "编辑……", "Remove": "移除", "Drain": "排空", "Maintenance": "维护", "Ready": "就绪",
    "Weight…": "权重……", "Check now": "立即检查", "Filter nodes": "筛选节点", "Remove node": "移除节点",
    "Remove node %1 from the cluster? It stops receiving traffic and cluster sync.":
        "从集群中移除节点 %1？该节点将不再接收流量和集群同步。",
    "Weight of %1 (1-256):": "%1 的权重（1-256）：",
    "Response time per node": "各节点响应时间", "Sync queue": "同步队列", "deliveries": "投递数",
    "Deliveries per second per target": "各目标每秒投递数", "per second": "每秒",
    "Nodes": "节点", "Active nodes": "活跃节点", "Failed nodes": "故障节点", "Success rate": "成功率",
    "Avg response time": "平均响应时间", "Sync backlog": "同步积压", "Dead letters": "死信",
    "Resume charts": "继续图表", "Pause charts": "暂停图表", "queue depth": "队列深度",
    "delivered / s": "每秒投递", "failures (all)": "失败（全部）",
    "disabled": "已停用", "paused": "已暂停", "held (node down)": "等待中（节点故障）", "active": "活跃",
    "Target": "目标", "State": "状态", "Circuit": "熔断器", "Backlog": "积压", "Oldest waiting": "最久等待",
    "Delivered": "已投递", "Dead": "死信", "Retries": "重试", "In flight": "发送中", "Last error": "最近错误",
    "ID": "ID", "User": "用户", "Type": "类型", "Attempts": "尝试次数", "Next attempt": "下次尝试",
    "Waiting": "已等待", "Failed at": "失败时间", "HTTP": "HTTP", "Duration (ms)": "耗时（毫秒）", "Error": "错误",
    "Response": "响应", "Discard dead letters": "丢弃死信",
    "Users to import": "要导入的用户", "Users (*.jsonl *.json *.csv);;All files (*)": "用户 (*.jsonl *.json *.csv);;所有文件 (*)",
    "Targets": "目标", "Queue": "队列", "Consistency": "一致性", "Import": "导入", "Pause": "暂停", "Resume": "恢复",
    "Enable": "启用", "Disable": "停用", "Retry selected": "重试所选", "Discard selected…": "丢弃所选……",
    "Replay window": "重放时间窗", "Replay dead letters of": "重放以下目标的死信", "to": "至",
    "File (JSON Lines or CSV):": "文件（JSON Lines 或 CSV）：", "Check": "检查", "Check and repair": "检查并修复",
    "Browse…": "浏览……", "all targets": "全部目标", "Comparing %1 with the ledger…": "正在将 %1 与账本比对……",
    "Check failed: %1": "检查失败：%1",
    "Target: %1\nRecords acknowledged (ledger): %2\nRecords held by the target: %3\nMissing: %4   Stale: %5   Unknown: %6\nConsistency: %7%\nBuckets differing: %8 of %9\n":
        "目标：%1\n已确认记录（账本）：%2\n目标持有记录：%3\n缺失：%4   过期：%5   未知：%6\n一致率：%7%\n不一致的分桶：%8 / %9\n",
    "Repaired: %1 events sent again\n": "已修复：重新发送 %1 个事件\n",
    "Choose a file first.": "请先选择文件。", "Importing %1…": "正在导入 %1……", "Import failed: %1": "导入失败：%1",
    "Import cancelled after %1 users; start it again to resume.": "已导入 %1 个用户后取消；再次开始即可从断点继续。",
    "Imported %1 users (%2 lines).": "已导入 %1 个用户（%2 行）。",
    "Resumed where an earlier run stopped.": "已从上次中断处继续。",
    "%1 lines were not users; the first: %2": "%1 行不是有效用户；第一处：%2",
    "Overview": "概览", "Balancing": "负载均衡", "Sync": "同步", "Configuration": "配置", "Audit and alerts": "审计与告警",
    "jobfirst-nodesim was not found next to the console or on PATH; the demo cannot start.":
        "在控制台旁边或 PATH 中找不到 jobfirst-nodesim，无法启动演示。",
    "Cannot create a folder for the demo cluster: %1": "无法为演示集群创建目录：%1",
    "The demo process %1 could not start.": "演示进程 %1 无法启动。",
    "Cannot open the cluster store": "无法打开集群存储",
    "Sync backlog: %1 (delivery stands by: %2 delivers from this store)": "同步积压：%1（投递待命：%2 正在从此存储投递）",
    "Cannot open the cluster store %1: %2\nChoose another store (File → Open cluster store…), or start the console with --demo.": "无法打开集群存储 %1：%2\n请选择其他存储（文件 → 打开集群存储……），或使用 --demo 启动控制台。",
    "Cannot connect to the engine at %1: %2": "无法连接到 %1 的引擎：%2",
    "The remembered engine %1 has no readable token (%2); starting the demo.": "记住的引擎 %1 没有可读取的令牌（%2）；改为启动演示。",
    "Needs the %1 role; this connection's role is %2.": "需要%1角色；当前连接的角色是%2。",
    "viewer": "查看者",
    "operator": "操作员",
    "admin": "管理员",
    "node": "节点",
    "Connect to an engine": "连接到引擎",
    "jft_… (jobfirstctl token create prints one)": "jft_……（jobfirstctl token create 会生成一个）",
    "only for https with a private CA": "仅用于使用私有 CA 的 https",
    "Remember on this computer (the token is kept in a file only you can read)": "在此计算机上记住（令牌保存在只有您能读取的文件中）",
    "From file…": "从文件……",
    "Engine URL:": "引擎 URL：",
    "Token:": "令牌：",
    "CA certificates:": "CA 证书：",
    "CA certificates (PEM)": "CA 证书（PEM）",
    "PEM (*.pem *.crt);;All files (*)": "PEM (*.pem *.crt);;所有文件 (*)",
    "The engine URL must look like http://HOST:PORT or https://HOST:PORT.": "引擎 URL 必须形如 http://主机:端口 或 https://主机:端口。",
    "A token has no spaces.": "令牌中不含空格。",
    "Token file": "令牌文件",
    "debug": "调试",
    "info": "信息",
    "warning": "警告",
    "error": "错误",
    "Node %1: %2 → %3 (%4)": "节点 %1：%2 → %3（%4）",
    "Engine started on %1": "引擎已在 %1 上启动",
    "Engine stopped": "引擎已停止",
    "Config version %1 applied by %2": "配置版本 %1 已由 %2 应用",
    "%1 deliveries to %2 became dead letters: %3": "发往 %2 的 %1 个投递成为死信：%3",
    "Level": "级别",
    "Source": "来源",
    "Node or target": "节点或目标",
    "Message": "消息",
    "Export log lines": "导出日志行",
    "JSON Lines (*.jsonl)": "JSON Lines (*.jsonl)",
    "Level at least": "最低级别",
    "Text": "文本",
    "Only from … to": "仅限从……到",
    "Follow live": "实时跟踪",
    "Apply filters": "应用筛选",
    "Export as JSON Lines…": "导出为 JSON Lines……",
    "in the message": "在消息中",
    "Cannot write %1: %2": "无法写入 %1：%2",
    "Logs": "日志",
    "&Connect to engine…": "连接到引擎(&C)……",
    "Use &embedded engine": "使用内嵌引擎(&E)",
    "Engine %1 (%2)": "引擎 %1（%2）",
    "Embedded engine": "内嵌引擎",
    "Connection to the engine at %1 lost: %2. Reconnecting… What is on screen is from before the connection was lost and is not live.": "与 %1 的引擎连接已断开：%2。正在重新连接……屏幕上的内容来自断开之前，并非实时数据。",
    "%1 %": "%1 %",
    "Cluster availability": "集群可用性",
    "Real-time sync latency (p99)": "实时同步延迟（p99）",
    "Data consistency": "数据一致性",
    "Recovery from down to up (worst)": "从故障到恢复的时间（最差）",
    "Failure to alert (worst)": "从故障到告警的时间（最差）",
    "nothing to measure": "无可度量的数据",
    "Least available node over a day: %1, %2 % (target 99.9 %)": "一天内可用性最低的节点：%1，%2 %（目标 99.9 %）",
    "Success metrics of the plan": "方案成功指标",
    "Metric": "指标",
    "Measured": "实测值",
    "Window": "时间窗口",
}
NUMERUS = {
    "Discard %n dead letter(s)? They will not be delivered; the audit log keeps who discarded them.":
        ["丢弃 %n 条死信？它们将不会被投递；审计日志会记录是谁丢弃的。"],
    "%n users (bulk)": ["%n 个用户（批量）"],
    "%n line(s), newest first.": ["共 %n 行，最新的在前。"],
    "%n line(s) written to %1.": ["已将 %n 行写入 %1。"],
    "%n day(s)": ["%n 天"],
    "%n hour(s)": ["%n 小时"],
}

def main():
    ts = Path(__file__).with_name("jobfirst_zh_CN.ts")
    tree = ET.parse(ts)
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.find("source").text
        tr = message.find("translation")
        if message.get("numerus") == "yes":
            forms = NUMERUS.get(source)
            if not forms:
                missing.append(source)
                continue
            for child in list(tr):
                tr.remove(child)
            for form in forms:
                ET.SubElement(tr, "numerusform").text = form
        else:
            if source not in ZH:
                missing.append(source)
                continue
            tr.text = ZH[source]
        tr.attrib.pop("type", None)
    if missing:
        print("no translation for:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
